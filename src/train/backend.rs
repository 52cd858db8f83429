//! The compute backend training runs on: burn's `flex` CPU backend, or burn's wgpu backend on
//! a graphics adapter (Vulkan, Metal, DirectX 12).
//!
//! [`BackendChoice::Auto`] takes wgpu when the machine has a real GPU (discrete or
//! integrated) and the CPU otherwise: a software adapter (Mesa's lavapipe, llvmpipe) runs the
//! same kernels far slower than `flex`. [`BackendChoice::Wgpu`] asks for wgpu explicitly and
//! then also accepts a software adapter (useful to test the GPU path on a machine without a
//! GPU); it fails with a clear error where there is no adapter at all.
//!
//! Adapters are probed once per process, and the wgpu runtime is opened once: burn cannot
//! reopen it with other settings.

use std::sync::OnceLock;

use burn::backend::DispatchDevice;
use burn::tensor::Device;
use burn::tensor::wgpu::wgpu;

/// Which backend to train on, as the user asks for it.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    /// wgpu where a real GPU exists, else the CPU.
    #[default]
    Auto,
    /// burn's `flex` CPU backend.
    Cpu,
    /// burn's wgpu backend (a software adapter too, if that is all there is).
    Wgpu,
}

impl BackendChoice {
    /// The name used on the command line and in settings.
    pub fn name(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Cpu => "cpu",
            BackendChoice::Wgpu => "wgpu",
        }
    }
}

/// The kind of a graphics adapter, as wgpu reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdapterKind {
    /// A discrete GPU.
    Discrete,
    /// A GPU built into the CPU package.
    Integrated,
    /// A virtual machine's GPU.
    Virtual,
    /// A software rasterizer running on the CPU (lavapipe, llvmpipe, WARP).
    Software,
    /// Anything else.
    Other,
}

impl AdapterKind {
    /// Whether this is real graphics hardware worth training on.
    pub fn is_gpu(self) -> bool {
        matches!(self, AdapterKind::Discrete | AdapterKind::Integrated)
    }

    fn describe(self) -> &'static str {
        match self {
            AdapterKind::Discrete => "discrete GPU",
            AdapterKind::Integrated => "integrated GPU",
            AdapterKind::Virtual => "virtual GPU",
            AdapterKind::Software => "software adapter",
            AdapterKind::Other => "adapter",
        }
    }
}

/// One graphics adapter found on the machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adapter {
    /// The adapter's name (e.g. "NVIDIA GeForce RTX 4070", "llvmpipe (LLVM 19.1.7, 256 bits)").
    pub name: String,
    /// What kind of device it is.
    pub kind: AdapterKind,
    /// Its graphics API ("Vulkan", "Metal", "Dx12").
    pub api: String,
    /// Its index among the adapters of the same kind (burn selects adapters by kind and index).
    pub index: usize,
}

impl std::fmt::Display for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}, {}, {}", self.name, self.api, self.kind.describe())
    }
}

/// Which backend a device runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackendKind {
    /// burn's `flex` CPU backend.
    Cpu,
    /// burn's wgpu backend.
    Wgpu,
}

/// A device to train on, with what the status bar and the command line say about it.
#[derive(Clone, Debug)]
pub struct ComputeDevice {
    /// The burn device (models are created on its `.autodiff()` form).
    pub device: Device,
    /// The backend.
    pub kind: BackendKind,
    /// A short description, e.g. "cpu (flex)" or "wgpu (NVIDIA ..., Vulkan, discrete GPU)".
    pub description: String,
    /// Why `Auto` did not take the GPU, when there was one it could not open.
    pub note: Option<String>,
    /// Why this backend was chosen, in a few words (e.g. "no graphics adapter was found").
    pub reason: String,
}

impl ComputeDevice {
    /// The `flex` CPU device.
    pub fn cpu() -> Self {
        ComputeDevice {
            device: Device::flex(),
            kind: BackendKind::Cpu,
            description: "cpu (flex)".to_string(),
            note: None,
            reason: "asked for".to_string(),
        }
    }
}

/// Why no device of the asked-for backend could be had.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum BackendError {
    /// wgpu found no Vulkan, Metal or DirectX 12 adapter.
    #[error(
        "no graphics adapter for the wgpu backend (Vulkan, Metal or DirectX 12) was found on this machine; use the CPU backend (--backend cpu)"
    )]
    NoAdapter,
    /// The adapter exists but burn's wgpu runtime could not be opened on it.
    #[error("the wgpu backend could not be opened on {adapter}: {problem}")]
    Open {
        /// The adapter tried.
        adapter: String,
        /// What went wrong.
        problem: String,
    },
}

/// What [`plan`] decides for a choice and a list of adapters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Train on the CPU.
    Cpu,
    /// Open wgpu on this adapter.
    Wgpu(Adapter),
    /// The choice cannot be met.
    Fail(BackendError),
}

/// Decides where to train from the adapters found: `Auto` takes the first real GPU
/// (discrete before integrated) or the CPU; `Wgpu` takes the first real GPU, else any adapter
/// (a software one included), else fails.
pub fn plan(choice: BackendChoice, adapters: &[Adapter]) -> Plan {
    let best_gpu = adapters
        .iter()
        .filter(|a| a.kind == AdapterKind::Discrete)
        .chain(
            adapters
                .iter()
                .filter(|a| a.kind == AdapterKind::Integrated),
        )
        .next();
    match choice {
        BackendChoice::Cpu => Plan::Cpu,
        BackendChoice::Auto => match best_gpu {
            Some(adapter) => Plan::Wgpu(adapter.clone()),
            None => Plan::Cpu,
        },
        BackendChoice::Wgpu => match best_gpu.or(adapters.first()) {
            Some(adapter) => Plan::Wgpu(adapter.clone()),
            None => Plan::Fail(BackendError::NoAdapter),
        },
    }
}

/// The adapters wgpu finds on this machine (probed once per process; OpenGL is not asked,
/// since burn's wgpu kernels need compute shaders of the primary APIs).
pub fn adapters() -> &'static [Adapter] {
    static ADAPTERS: OnceLock<Vec<Adapter>> = OnceLock::new();
    ADAPTERS.get_or_init(probe_adapters)
}

fn probe_adapters() -> Vec<Adapter> {
    let backends = wgpu::Backends::PRIMARY;
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let found = pollster::block_on(instance.enumerate_adapters(backends));
    let mut adapters: Vec<Adapter> = Vec::new();
    for adapter in found {
        let info = adapter.get_info();
        let kind = match info.device_type {
            wgpu::DeviceType::DiscreteGpu => AdapterKind::Discrete,
            wgpu::DeviceType::IntegratedGpu => AdapterKind::Integrated,
            wgpu::DeviceType::VirtualGpu => AdapterKind::Virtual,
            wgpu::DeviceType::Cpu => AdapterKind::Software,
            wgpu::DeviceType::Other => AdapterKind::Other,
        };
        let index = adapters.iter().filter(|a| a.kind == kind).count();
        adapters.push(Adapter {
            name: info.name,
            kind,
            api: format!("{:?}", info.backend),
            index,
        });
    }
    adapters
}

/// Opens burn's wgpu runtime on `adapter`, once per process: burn cannot reopen it with other
/// settings, so a later call naming another adapter gets an error ([`plan`] never does that:
/// `Auto` and `Wgpu` pick the same real GPU).
fn open_wgpu(adapter: &Adapter) -> Result<Device, BackendError> {
    let opened = OPENED.get_or_init(|| {
        use burn::tensor::DeviceKind;
        let kind = match adapter.kind {
            AdapterKind::Discrete => DeviceKind::DiscreteGpu(adapter.index),
            AdapterKind::Integrated => DeviceKind::IntegratedGpu(adapter.index),
            AdapterKind::Virtual => DeviceKind::VirtualGpu(adapter.index),
            AdapterKind::Software => DeviceKind::Cpu,
            AdapterKind::Other => DeviceKind::DefaultDevice,
        };
        Device::wgpu_options()
            .device_kind(kind)
            .init()
            .map(|device| (device, adapter.clone()))
            .map_err(|e| BackendError::Open {
                adapter: adapter.to_string(),
                problem: e.to_string(),
            })
    });
    match opened {
        Ok((device, on)) if on == adapter => Ok(device.clone()),
        Ok((_, on)) => Err(BackendError::Open {
            adapter: adapter.to_string(),
            problem: format!("the wgpu backend is already open on {on}"),
        }),
        Err(error) => Err(error.clone()),
    }
}

/// The outcome of opening burn's wgpu runtime (done at most once per process).
static OPENED: OnceLock<Result<(Device, Adapter), BackendError>> = OnceLock::new();

/// The adapter burn's wgpu runtime was opened on, if it was.
pub fn opened_adapter() -> Option<&'static Adapter> {
    match OPENED.get() {
        Some(Ok((_, adapter))) => Some(adapter),
        _ => None,
    }
}

/// The device for a choice: probes the adapters and opens wgpu when the plan says so.
/// `Auto` falls back to the CPU (with a [`ComputeDevice::note`]) when the GPU cannot be opened.
/// [`ComputeDevice::reason`] says why the backend was chosen.
pub fn select(choice: BackendChoice) -> Result<ComputeDevice, BackendError> {
    if choice == BackendChoice::Cpu {
        return Ok(ComputeDevice::cpu());
    }
    let adapters = adapters();
    match plan(choice, adapters) {
        Plan::Cpu => Ok(ComputeDevice {
            reason: cpu_reason(adapters),
            ..ComputeDevice::cpu()
        }),
        Plan::Fail(error) => Err(error),
        Plan::Wgpu(adapter) => match open_wgpu(&adapter) {
            Ok(device) => Ok(ComputeDevice {
                device,
                kind: BackendKind::Wgpu,
                description: format!("wgpu ({adapter})"),
                note: None,
                reason: match choice {
                    BackendChoice::Auto => format!("a {} was found", adapter.kind.describe()),
                    BackendChoice::Wgpu | BackendChoice::Cpu => "asked for".to_string(),
                },
            }),
            Err(error) if choice == BackendChoice::Auto => {
                let note = format!("{error}; training on the CPU instead");
                Ok(ComputeDevice {
                    reason: note.clone(),
                    note: Some(note),
                    ..ComputeDevice::cpu()
                })
            }
            Err(error) => Err(error),
        },
    }
}

/// Why `Auto` trains on the CPU with these adapters (none of them a real GPU).
fn cpu_reason(adapters: &[Adapter]) -> String {
    if adapters.is_empty() {
        return "no graphics adapter was found".to_string();
    }
    let names: Vec<String> = adapters.iter().map(Adapter::to_string).collect();
    format!(
        "no GPU was found, only {} (slower than the CPU backend)",
        names.join("; ")
    )
}

/// Keeps the adapter probe quiet on a machine without a display session, where a line
/// starting with "error" on stderr would wrongly alarm the user of a headless run.
///
/// wgpu enables the Wayland and X11 surface extensions on every Vulkan instance it creates
/// (including the probe's, which needs no surface). Mesa's device-selection layer, an
/// implicit Vulkan layer, reacts to those extensions by connecting to a Wayland and an X11
/// display to find the GPU the desktop runs on; with no `XDG_RUNTIME_DIR` (a cron job, a
/// container, an ssh session without login) libwayland then prints "error:
/// XDG_RUNTIME_DIR is invalid or not set in the environment." although nothing is wrong.
/// Without a runtime directory there is no Wayland display to find, so this turns the layer
/// off through its own switch, `NODEVICE_SELECT=1`; nothing else changes (the probe lists
/// and ranks every adapter itself).
///
/// Call it at the start of `main`, before any other thread runs: it does nothing where a
/// runtime directory exists, where the user already set the switch, or once the process has
/// other threads (setting the environment would race with their reads).
pub fn quiet_probe_without_display() {
    let has_runtime_dir = std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| !d.is_empty());
    if has_runtime_dir || std::env::var_os(DEVICE_SELECT_SWITCH).is_some() {
        return;
    }
    set_env_while_single_threaded(DEVICE_SELECT_SWITCH, "1");
}

/// The environment variable that turns Mesa's device-selection layer off.
const DEVICE_SELECT_SWITCH: &str = "NODEVICE_SELECT";

/// Sets an environment variable if this process runs a single thread (Linux, where Mesa's
/// layer exists; elsewhere nothing is done).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn set_env_while_single_threaded(key: &str, value: &str) {
    let threads = std::fs::read_dir("/proc/self/task").map(Iterator::count);
    if matches!(threads, Ok(1)) {
        // SAFETY: the process has one thread (this one), so no other thread can read or
        // write the environment at the same time.
        unsafe { std::env::set_var(key, value) };
    }
}

#[cfg(not(target_os = "linux"))]
fn set_env_while_single_threaded(_key: &str, _value: &str) {}

/// The kind of backend a burn device belongs to.
pub fn backend_kind(device: &Device) -> BackendKind {
    match device.clone().without_autodiff().as_dispatch() {
        DispatchDevice::Flex(_) => BackendKind::Cpu,
        _ => BackendKind::Wgpu,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(name: &str, kind: AdapterKind, index: usize) -> Adapter {
        Adapter {
            name: name.to_string(),
            kind,
            api: "Vulkan".to_string(),
            index,
        }
    }

    #[test]
    fn auto_takes_a_real_gpu_and_prefers_a_discrete_one() {
        let software = adapter("llvmpipe", AdapterKind::Software, 0);
        let integrated = adapter("Intel UHD", AdapterKind::Integrated, 0);
        let discrete = adapter("RTX", AdapterKind::Discrete, 0);
        assert_eq!(plan(BackendChoice::Auto, &[]), Plan::Cpu);
        assert_eq!(
            plan(BackendChoice::Auto, std::slice::from_ref(&software)),
            Plan::Cpu
        );
        assert_eq!(
            plan(BackendChoice::Auto, &[software.clone(), integrated.clone()]),
            Plan::Wgpu(integrated.clone())
        );
        assert_eq!(
            plan(
                BackendChoice::Auto,
                &[integrated.clone(), software, discrete.clone()]
            ),
            Plan::Wgpu(discrete)
        );
    }

    #[test]
    fn explicit_wgpu_accepts_software_and_fails_without_adapters() {
        let software = adapter("llvmpipe", AdapterKind::Software, 0);
        let virtual_gpu = adapter("virtio", AdapterKind::Virtual, 0);
        assert_eq!(
            plan(BackendChoice::Wgpu, &[software.clone(), virtual_gpu]),
            Plan::Wgpu(software)
        );
        assert_eq!(
            plan(BackendChoice::Wgpu, &[]),
            Plan::Fail(BackendError::NoAdapter)
        );
        assert_eq!(plan(BackendChoice::Cpu, &[]), Plan::Cpu);
    }

    #[test]
    fn the_cpu_choice_never_probes_and_says_so() {
        let device = select(BackendChoice::Cpu).unwrap();
        assert_eq!(device.kind, BackendKind::Cpu);
        assert_eq!(device.description, "cpu (flex)");
        assert_eq!(backend_kind(&device.device), BackendKind::Cpu);
        assert_eq!(backend_kind(&device.device.autodiff()), BackendKind::Cpu);
    }

    #[test]
    fn the_no_adapter_error_says_what_to_do() {
        let text = BackendError::NoAdapter.to_string();
        assert!(
            text.contains("wgpu") && text.contains("--backend cpu"),
            "{text}"
        );
    }
}
