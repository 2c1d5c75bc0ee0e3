"""Converting other dialects' fleets into Karmada's: what every dialect's converter shares.

`to_karmada.convert_to_karmada` is the entry point (the `convert` command calls it); it
sorts the documents by dialect and hands them to each dialect's own converter
(`hubless.dialects.kubeadmiral.convert`, `hubless.dialects.kubefed.convert`). This
package holds what those converters share: `core` (output, gaps, object accessors),
`affinity` (cluster sets as Karmada can write them), `clusters` (member clusters) and
`patch` (source JSON patches as Karmada plaintext entries). It imports no dialect, so a
dialect's converter may import it.
"""
