"""The throughput benchmark (issue 8): outside the runtime package, run by `make bench`."""
