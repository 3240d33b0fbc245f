//! Fuzz the manifest importer: any text, as our YAML/JSON or an Argo Rollouts
//! manifest, must load or fail with an error, never panic; what loads must
//! also validate, export and simulate without panicking.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use relkit_deploy::{
    Library, MetricSeries, Simulation, export_analysis_template, export_rollout, load,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = load(text, "fuzz.yaml") else {
        return;
    };
    let library = loaded
        .templates()
        .cloned()
        .fold(Library::new(), Library::with);
    let _ = library.validate();
    for t in loaded.templates() {
        let _ = export_analysis_template(t);
    }
    for spec in loaded.rollouts() {
        let _ = export_rollout(spec);
        if let Ok(sim) = Simulation::new(spec.clone(), library.clone(), MetricSeries::new()) {
            let _ = sim.horizon(Duration::from_secs(3600)).run();
        }
    }
});
