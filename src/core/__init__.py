"""The shared base every domain builds on: storage, records, clock, config, bindings, outbound HTTP,
errors, files, and small helpers (text, phones, geo). Imports nothing above it."""
