"""Turning a fleet repository into rendered/: how much to build, and the state kept.

`plan` chooses how a render works (nothing, changed templates, changed clusters, or
everything); `incremental`, `reuse` and `shards` are those ways; `tree` lays out the
files; `state/` owns everything under rendered/.hubless/. The pure compiler
(hubless.compile) knows none of this.
"""
