//! MIDI ports through midir: listing, choosing, watching for devices that come and go, and
//! the output connection as a [`MidiSink`].

use midir::{MidiInput, MidiOutput, MidiOutputConnection};

use super::{DeviceError, MidiMessage, MidiSink, PortDirection};
use crate::music::Channel;

/// The name the studio's MIDI clients carry (other programs show it). Ports whose names start
/// with it are the studio's own and are left out of the lists, so it never listens to itself.
pub const CLIENT_NAME: &str = "GAN Studio";

/// One MIDI port as listed by the system.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PortInfo {
    /// Its position in the list it came from (what [`PortSelector::Index`] counts).
    pub index: usize,
    /// The backend's stable identifier (on ALSA `client:port`).
    pub id: String,
    /// The name to show (on ALSA `client name:port name client:port`).
    pub name: String,
}

/// How the user names a port: by its position in the list or by (part of) its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PortSelector {
    /// The port at this 0-based position of the list.
    Index(usize),
    /// The port whose name equals this, or else the only one whose name contains it
    /// (ignoring case).
    Name(String),
}

impl std::str::FromStr for PortSelector {
    type Err = std::convert::Infallible;
    /// Digits give an index; anything else is a name.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Ok(match s.parse::<usize>() {
            Ok(i) => PortSelector::Index(i),
            Err(_) => PortSelector::Name(s.to_string()),
        })
    }
}

/// The error for a missing MIDI subsystem, worded for the system the studio runs on.
pub fn no_midi_subsystem() -> DeviceError {
    DeviceError::NoMidiSubsystem(no_subsystem_reason().to_string())
}

#[cfg(target_os = "linux")]
fn no_subsystem_reason() -> &'static str {
    if std::path::Path::new("/dev/snd/seq").exists() {
        "the ALSA sequencer /dev/snd/seq exists but could not be opened (is your user allowed to use it, e.g. in the audio group?)"
    } else {
        "the ALSA sequencer is not available (is the snd-seq kernel module loaded?)"
    }
}

#[cfg(not(target_os = "linux"))]
fn no_subsystem_reason() -> &'static str {
    "the system's MIDI service could not be initialized"
}

fn open_output() -> Result<MidiOutput, DeviceError> {
    MidiOutput::new(CLIENT_NAME).map_err(|_| no_midi_subsystem())
}

fn open_input() -> Result<MidiInput, DeviceError> {
    MidiInput::new(&format!("{CLIENT_NAME} input")).map_err(|_| no_midi_subsystem())
}

/// Names the ports of a midir client, leaving out the studio's own.
fn describe<P>(
    ports: Vec<P>,
    id: impl Fn(&P) -> String,
    name: impl Fn(&P) -> Option<String>,
) -> Vec<(PortInfo, P)> {
    ports
        .into_iter()
        // A port that vanished between listing and naming is simply not listed.
        .filter_map(|p| name(&p).map(|n| (id(&p), n, p)))
        .filter(|(_, n, _)| !n.starts_with(CLIENT_NAME))
        .enumerate()
        .map(|(index, (id, name, p))| (PortInfo { index, id, name }, p))
        .collect()
}

/// The output ports (synthesizers) there are now.
pub fn output_ports() -> Result<Vec<PortInfo>, DeviceError> {
    let out = open_output()?;
    Ok(describe(out.ports(), |p| p.id(), |p| out.port_name(p).ok())
        .into_iter()
        .map(|(info, _)| info)
        .collect())
}

/// The input ports (keyboards) there are now.
pub fn input_ports() -> Result<Vec<PortInfo>, DeviceError> {
    let inp = open_input()?;
    Ok(describe(inp.ports(), |p| p.id(), |p| inp.port_name(p).ok())
        .into_iter()
        .map(|(info, _)| info)
        .collect())
}

/// The ports of one direction there are now.
pub fn list_ports(direction: PortDirection) -> Result<Vec<PortInfo>, DeviceError> {
    match direction {
        PortDirection::Output => output_ports(),
        PortDirection::Input => input_ports(),
    }
}

/// Picks the port a selector means from a list: by index, by exact name, or by the one name
/// that contains the text (ignoring case).
pub fn select_port<'a>(
    ports: &'a [PortInfo],
    direction: PortDirection,
    selector: &PortSelector,
) -> Result<&'a PortInfo, DeviceError> {
    if ports.is_empty() {
        return Err(DeviceError::NoPorts(direction));
    }
    match selector {
        PortSelector::Index(index) => ports.get(*index).ok_or(DeviceError::PortIndexOutOfRange {
            direction,
            index: *index,
            count: ports.len(),
        }),
        PortSelector::Name(wanted) => {
            if let Some(exact) = ports.iter().find(|p| &p.name == wanted) {
                return Ok(exact);
            }
            let needle = wanted.to_lowercase();
            let matches: Vec<&PortInfo> = ports
                .iter()
                .filter(|p| p.name.to_lowercase().contains(&needle))
                .collect();
            match matches.as_slice() {
                [one] => Ok(one),
                [] => Err(DeviceError::PortNotFound {
                    direction,
                    wanted: wanted.clone(),
                    available: ports.iter().map(|p| p.name.clone()).collect(),
                }),
                many => Err(DeviceError::AmbiguousPort {
                    direction,
                    wanted: wanted.clone(),
                    matches: many.iter().map(|p| p.name.clone()).collect(),
                }),
            }
        }
    }
}

/// Opens an output port as a [`MidiSink`].
pub fn connect_output(selector: &PortSelector) -> Result<MidirSink, DeviceError> {
    let out = open_output()?;
    let described = describe(out.ports(), |p| p.id(), |p| out.port_name(p).ok());
    let infos: Vec<PortInfo> = described.iter().map(|(info, _)| info.clone()).collect();
    let chosen = select_port(&infos, PortDirection::Output, selector)?.clone();
    let Some((_, port)) = described.into_iter().find(|(info, _)| *info == chosen) else {
        return Err(DeviceError::PortNotFound {
            direction: PortDirection::Output,
            wanted: chosen.name,
            available: infos.into_iter().map(|p| p.name).collect(),
        });
    };
    let connection = out
        .connect(&port, &format!("{CLIENT_NAME} output"))
        .map_err(|e| DeviceError::Connect {
            direction: PortDirection::Output,
            port: chosen.name.clone(),
            reason: e.to_string(),
        })?;
    Ok(MidirSink {
        connection: Some(connection),
        port: chosen,
        used_channels: 0,
    })
}

/// An open midir output connection. Dropping it (disconnecting) first sends All Notes Off and
/// Reset All Controllers on every channel it has sent to, so a closed port keeps no stuck notes.
pub struct MidirSink {
    connection: Option<MidiOutputConnection>,
    port: PortInfo,
    /// Bit `c` set: something was sent on channel `c`.
    used_channels: u16,
}

impl std::fmt::Debug for MidirSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidirSink")
            .field("port", &self.port)
            .field("used_channels", &self.used_channels)
            .finish_non_exhaustive()
    }
}

impl MidirSink {
    /// The port this sink is connected to.
    pub fn port(&self) -> &PortInfo {
        &self.port
    }

    /// Silences every channel used and closes the connection.
    pub fn disconnect(mut self) {
        self.close();
    }

    fn close(&mut self) {
        if let Some(mut connection) = self.connection.take() {
            for c in 0..16u8 {
                if self.used_channels & (1 << c) != 0
                    && let Ok(channel) = Channel::new(c)
                {
                    // Best effort: the device may already be gone.
                    let _ =
                        connection.send(MidiMessage::all_notes_off(channel).encode().as_slice());
                    let _ = connection.send(
                        MidiMessage::reset_all_controllers(channel)
                            .encode()
                            .as_slice(),
                    );
                }
            }
            connection.close();
        }
    }
}

impl MidiSink for MidirSink {
    fn send(&mut self, message: MidiMessage) -> Result<(), DeviceError> {
        let Some(connection) = self.connection.as_mut() else {
            return Err(DeviceError::Send {
                port: self.port.name.clone(),
                reason: "the connection is closed".to_string(),
            });
        };
        self.used_channels |= 1 << message.channel().get();
        connection
            .send(message.encode().as_slice())
            .map_err(|e| DeviceError::Send {
                port: self.port.name.clone(),
                reason: e.to_string(),
            })
    }

    fn name(&self) -> String {
        self.port.name.clone()
    }
}

impl Drop for MidirSink {
    fn drop(&mut self) {
        self.close();
    }
}

/// What changed in a port list since the last look.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PortChanges {
    /// Ports that appeared.
    pub added: Vec<PortInfo>,
    /// Ports that went away.
    pub removed: Vec<PortInfo>,
}

impl PortChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Remembers a port list and reports what was added or removed each time it is polled, so the
/// UI can refresh its port menus when devices are plugged in or out (call [`PortWatcher::poll`]
/// every second or so; a poll lists the ports once and takes well under a millisecond on ALSA).
/// Ports are told apart by id and name, not by their position in the list.
#[derive(Clone, Debug)]
pub struct PortWatcher {
    direction: PortDirection,
    known: Vec<PortInfo>,
}

impl PortWatcher {
    /// A watcher that has seen no ports yet (its first poll reports every port as added).
    pub fn new(direction: PortDirection) -> Self {
        PortWatcher {
            direction,
            known: Vec::new(),
        }
    }

    /// Which ports it watches.
    pub fn direction(&self) -> PortDirection {
        self.direction
    }

    /// The port list as of the last poll.
    pub fn ports(&self) -> &[PortInfo] {
        &self.known
    }

    /// Lists the ports now and reports the changes. Without a MIDI subsystem this returns the
    /// error and keeps the last list (empty if it never worked); it tries again on every call.
    pub fn poll(&mut self) -> Result<PortChanges, DeviceError> {
        let current = list_ports(self.direction)?;
        Ok(self.update(current))
    }

    /// Takes a fresh port list (however obtained) and reports what changed against the last.
    pub fn update(&mut self, current: Vec<PortInfo>) -> PortChanges {
        let same = |a: &PortInfo, b: &PortInfo| a.id == b.id && a.name == b.name;
        let added = current
            .iter()
            .filter(|p| !self.known.iter().any(|k| same(k, p)))
            .cloned()
            .collect();
        let removed = self
            .known
            .iter()
            .filter(|k| !current.iter().any(|p| same(k, p)))
            .cloned()
            .collect();
        self.known = current;
        PortChanges { added, removed }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(index: usize, id: &str, name: &str) -> PortInfo {
        PortInfo {
            index,
            id: id.to_string(),
            name: name.to_string(),
        }
    }

    fn sample() -> Vec<PortInfo> {
        vec![
            port(0, "14:0", "Midi Through:Midi Through Port-0 14:0"),
            port(
                1,
                "128:0",
                "FLUID Synth (123):Synth input port (123:0) 128:0",
            ),
            port(
                2,
                "130:0",
                "FLUID Synth (456):Synth input port (456:0) 130:0",
            ),
        ]
    }

    #[test]
    fn ports_are_chosen_by_index_exact_name_or_unique_part_of_a_name() {
        let ports = sample();
        let out = PortDirection::Output;
        assert_eq!(
            select_port(&ports, out, &PortSelector::Index(1))
                .unwrap()
                .id,
            "128:0"
        );
        assert_eq!(
            select_port(&ports, out, &"midi through".parse().unwrap())
                .unwrap()
                .id,
            "14:0"
        );
        assert_eq!(
            select_port(&ports, out, &"(456".parse().unwrap())
                .unwrap()
                .id,
            "130:0"
        );
        let exact = PortSelector::Name(ports[2].name.clone());
        assert_eq!(select_port(&ports, out, &exact).unwrap().id, "130:0");
        let err = select_port(&ports, out, &PortSelector::Name("fluid".into())).unwrap_err();
        assert!(
            matches!(err, DeviceError::AmbiguousPort { ref matches, .. } if matches.len() == 2)
        );
        let err = select_port(&ports, out, &PortSelector::Index(3)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "there is no MIDI output port number 3 (there are 3)"
        );
        let err = select_port(&ports, out, &PortSelector::Name("Yamaha".into())).unwrap_err();
        assert!(err.to_string().contains("\"Yamaha\""), "{err}");
        assert!(err.to_string().contains("Midi Through"), "{err}");
        let err = select_port(&[], PortDirection::Input, &PortSelector::Index(0)).unwrap_err();
        assert_eq!(err.to_string(), "no MIDI input ports are available");
    }

    #[test]
    fn the_watcher_reports_ports_that_come_and_go() {
        let mut watcher = PortWatcher::new(PortDirection::Output);
        let first = watcher.update(sample());
        assert_eq!(first.added.len(), 3);
        assert!(first.removed.is_empty());
        assert!(watcher.update(sample()).is_empty());
        // Unplug the first synth: the other one moves up the list but is not "new".
        let mut now = sample();
        now.remove(1);
        now[1].index = 1;
        let changes = watcher.update(now.clone());
        assert!(changes.added.is_empty());
        assert_eq!(changes.removed, vec![sample()[1].clone()]);
        // Plug in a keyboard.
        now.push(port(2, "20:0", "Keystation:Keystation MIDI 1 20:0"));
        let changes = watcher.update(now);
        assert_eq!(changes.added.len(), 1);
        assert_eq!(changes.added[0].id, "20:0");
        assert!(changes.removed.is_empty());
        assert_eq!(watcher.ports().len(), 3);
    }

    #[test]
    fn missing_midi_subsystem_is_an_error_not_a_panic() {
        // On a machine with MIDI this lists ports; without, it must say so clearly.
        match output_ports() {
            Ok(ports) => assert!(ports.iter().all(|p| !p.name.starts_with(CLIENT_NAME))),
            Err(e) => {
                assert_eq!(e, no_midi_subsystem());
                assert!(e.to_string().starts_with("no MIDI subsystem: "), "{e}");
            }
        }
        let mut watcher = PortWatcher::new(PortDirection::Input);
        if let Err(e) = watcher.poll() {
            assert!(matches!(e, DeviceError::NoMidiSubsystem(_)));
            assert!(watcher.ports().is_empty());
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_missing_sequencer_message_names_the_kernel_module() {
        if !std::path::Path::new("/dev/snd/seq").exists() {
            assert_eq!(
                no_midi_subsystem().to_string(),
                "no MIDI subsystem: the ALSA sequencer is not available (is the snd-seq kernel module loaded?)"
            );
            assert!(matches!(
                connect_output(&PortSelector::Index(0)),
                Err(DeviceError::NoMidiSubsystem(_))
            ));
        }
    }
}
