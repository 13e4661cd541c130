"""Resource requests (flow 1 up to running capacity): items, lifecycle, approval chains,
quota reservations, allocations, change requests and expiry."""
