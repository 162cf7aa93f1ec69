"""The running pipeline: worker processes that backfill and drain the outbox,
the slot reconciler, and the supervisor that runs them."""
