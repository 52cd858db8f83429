//! Dense `f32` kernels shared by generation and training: a packed matrix, a register-blocked
//! product and vectorizable gate functions. Pure Rust, no burn or GUI dependency.
