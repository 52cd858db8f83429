//! Which renderer draws the studio window.
//!
//! wgpu is tried first on a real GPU. When the only adapters wgpu finds are software ones
//! (device type CPU: Mesa's lavapipe/llvmpipe, SwiftShader), wgpu is turned down and the
//! studio falls back to OpenGL (glow), which Mesa also runs in software but several times
//! faster for egui: measured with `gan-studio bench ui` on a 2-core machine under Xvfb, the
//! studio scene drew 12 frames per second with wgpu on lavapipe against 55-65 with glow on
//! llvmpipe, and 7.5 against 36 while training ran.
//!
//! `GAN_STUDIO_RENDERER=wgpu` or `=glow` overrides the choice (`wgpu` then accepts a software
//! adapter too).

use std::sync::Arc;

use eframe::wgpu;

/// The environment variable that overrides the renderer: `wgpu`, `glow` or `auto`.
pub const RENDERER_ENV: &str = "GAN_STUDIO_RENDERER";

/// What the user asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RendererChoice {
    /// wgpu on a hardware adapter, else OpenGL.
    Auto,
    /// wgpu first, software adapters accepted.
    Wgpu,
    /// OpenGL first.
    Glow,
}

impl RendererChoice {
    /// Reads [`RENDERER_ENV`]; unset, empty or unknown values mean [`RendererChoice::Auto`].
    pub fn from_env() -> Self {
        match std::env::var(RENDERER_ENV)
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "wgpu" => RendererChoice::Wgpu,
            "glow" | "gl" | "opengl" => RendererChoice::Glow,
            _ => RendererChoice::Auto,
        }
    }

    /// The renderers to try, in order.
    pub fn order(self) -> [eframe::Renderer; 2] {
        match self {
            RendererChoice::Glow => [eframe::Renderer::Glow, eframe::Renderer::Wgpu],
            RendererChoice::Auto | RendererChoice::Wgpu => {
                [eframe::Renderer::Wgpu, eframe::Renderer::Glow]
            }
        }
    }

    /// eframe's wgpu settings: the default ones with an adapter selector that turns down
    /// software adapters unless [`RendererChoice::Wgpu`] was asked for.
    pub fn wgpu_options(self) -> eframe::WgpuConfiguration {
        let allow_software = self == RendererChoice::Wgpu;
        let mut setup = eframe::egui_wgpu::WgpuSetupCreateNew::without_display_handle();
        setup.native_adapter_selector = Some(Arc::new(move |adapters, surface| {
            let usable: Vec<&wgpu::Adapter> = adapters
                .iter()
                .filter(|a| surface.is_none_or(|s| a.is_surface_supported(s)))
                .collect();
            let types: Vec<wgpu::DeviceType> =
                usable.iter().map(|a| a.get_info().device_type).collect();
            pick_adapter(&types, allow_software)
                .and_then(|i| usable.get(i))
                .map(|a| (*a).clone())
                .ok_or_else(|| {
                    "no hardware adapter (only software ones, for which OpenGL is faster)"
                        .to_owned()
                })
        }));
        eframe::WgpuConfiguration {
            wgpu_setup: eframe::egui_wgpu::WgpuSetup::CreateNew(setup),
            ..eframe::WgpuConfiguration::default()
        }
    }
}

/// The index of the adapter to use among adapters of these device types: a discrete GPU
/// first, then an integrated one, a virtual one, any other; a software (CPU) adapter only
/// when `allow_software`. Ties go to the first listed.
pub fn pick_adapter(types: &[wgpu::DeviceType], allow_software: bool) -> Option<usize> {
    let rank = |t: &wgpu::DeviceType| match t {
        wgpu::DeviceType::DiscreteGpu => Some(0),
        wgpu::DeviceType::IntegratedGpu => Some(1),
        wgpu::DeviceType::VirtualGpu => Some(2),
        wgpu::DeviceType::Other => Some(3),
        wgpu::DeviceType::Cpu => allow_software.then_some(4),
    };
    types
        .iter()
        .enumerate()
        .filter_map(|(i, t)| rank(t).map(|r| (r, i)))
        .min()
        .map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wgpu::DeviceType::{Cpu, DiscreteGpu, IntegratedGpu, Other, VirtualGpu};

    #[test]
    fn hardware_adapters_win_and_software_ones_only_when_allowed() {
        assert_eq!(
            pick_adapter(&[Cpu, IntegratedGpu, DiscreteGpu], false),
            Some(2)
        );
        assert_eq!(pick_adapter(&[Cpu, IntegratedGpu], false), Some(1));
        assert_eq!(pick_adapter(&[Other, VirtualGpu], false), Some(1));
        assert_eq!(pick_adapter(&[Cpu, Cpu], false), None);
        assert_eq!(pick_adapter(&[Cpu, Cpu], true), Some(0));
        assert_eq!(pick_adapter(&[Cpu, Other], true), Some(1));
        assert_eq!(pick_adapter(&[], true), None);
    }

    #[test]
    fn glow_goes_first_only_when_asked_for() {
        assert_eq!(RendererChoice::Glow.order()[0], eframe::Renderer::Glow);
        assert_eq!(RendererChoice::Auto.order()[0], eframe::Renderer::Wgpu);
        assert_eq!(RendererChoice::Wgpu.order()[0], eframe::Renderer::Wgpu);
    }
}
