import fc from 'fast-check';

// Property tests use a fixed seed so that a CI run is reproducible; set FC_SEED to explore other inputs
// (fast-check prints the seed of any failure).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20251126) });
