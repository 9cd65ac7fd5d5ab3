"""`make bench-pages`: benchmark data at programme scale, page timings and a bounded load test."""
