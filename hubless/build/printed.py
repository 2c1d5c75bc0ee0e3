"""What a render prints about its sources, from the warnings a render keeps
(hubless.build.state.manifest.Warnings): the inventory's and policies' warnings, then each
template's (in the fleet's order of templates), then the namespaces', then validation's,
then how many templates no policy matches.

Apart from hubless.build.warned, which works the warnings out: a render with nothing to do
prints the ones the last render kept, and must not pay for the compiler's start-up.
"""

from __future__ import annotations

from hubless.build.state.manifest import Warnings


def lines(warnings: Warnings, *, validated: bool = True) -> list[str]:
    """What a render prints, in order (validation's warnings only when it validates)."""
    printed = [str(p) for p in warnings.fleet]
    unmatched = 0
    for notes in warnings.templates:
        printed.extend(str(p) for p in notes.problems)
        if notes.oversized:
            # The compiler's own words; imported only when there is something to say.
            from hubless.compile import oversize_warning

            sizes = dict(notes.oversized)
            printed.append(str(oversize_warning(notes.template, notes.source, sizes)))
        unmatched += notes.unmatched
    printed.extend(str(p) for p in warnings.namespaces)
    if validated:
        printed.extend(str(p) for p in warnings.validation)
    if unmatched:
        noun = "template matches" if unmatched == 1 else "templates match"
        printed.append(
            f"note: {unmatched} {noun} no propagation policy and go to no cluster "
            "(`hubless explain` says why)"
        )
    return printed
