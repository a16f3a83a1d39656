"""Identity resolution: normalise, block, compare, score, cluster and explain (pure, no ORM)."""
