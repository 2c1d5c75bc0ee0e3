"""What the clusters report back: reading it, judging it, summing it up."""
