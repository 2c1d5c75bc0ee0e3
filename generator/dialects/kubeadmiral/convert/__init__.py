"""KubeAdmiral's objects converted to Karmada's: `propagation` (templates and propagation
policies), `overrides` (override policies) and `selection` (cluster selection terms), called
by `generator.convert.to_karmada`."""
