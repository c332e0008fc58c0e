use clap::Parser;

fn main() {
    let cli = rekey::cli::Cli::parse();
    let code = rekey::cli::run(cli, &mut std::io::stdout().lock());
    std::process::exit(code);
}
