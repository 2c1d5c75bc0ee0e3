"""The edge where hubless talks to clusters: read-only, through the official client."""
