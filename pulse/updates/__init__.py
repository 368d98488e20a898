"""Update check (against the package index), update status, and how to apply an update."""
