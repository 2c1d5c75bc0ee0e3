"""Progressive rollout: a RolloutPolicy's waves, their batches, the gates between them."""
