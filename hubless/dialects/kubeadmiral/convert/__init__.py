"""KubeAdmiral's objects converted to Karmada's: `propagation` (templates and propagation
policies), `overrides` (override policies) and `selection` (cluster selection terms), called
by `hubless.convert.to_karmada`."""
