#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| mcmc_audit::fuzzing::trace(data));
