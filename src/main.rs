use clap::Parser;

fn main() {
    // First: a panic anywhere after this prints no payload (it may hold a secret).
    rekey::panic::install_hook();
    // Before anything opens a file: a closed stdout's descriptor would be reused by that file.
    let stdout_closed = rekey::cli::guard_std_fds();
    let cli = rekey::cli::Cli::parse();
    let code = if stdout_closed {
        rekey::cli::run(cli, &mut rekey::cli::Closed)
    } else {
        rekey::cli::run(cli, &mut std::io::stdout().lock())
    };
    std::process::exit(code);
}
