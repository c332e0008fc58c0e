use clap::Parser;

fn main() {
    // First: a panic anywhere after this prints no payload (it may hold a secret).
    rekey::panic::install_hook();
    let cli = rekey::cli::Cli::parse();
    let code = rekey::cli::run(cli, &mut std::io::stdout().lock());
    std::process::exit(code);
}
