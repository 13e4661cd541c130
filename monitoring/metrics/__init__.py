"""Host agents' samples: enrolment, push ingest, storage with roll-ups, and the sources
(embedded database or Prometheus) that queries read through."""
