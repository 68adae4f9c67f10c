fn main() -> std::process::ExitCode {
    provision_role::main()
}
