"""Staff-only pages outside the admin: previews of working copies and submissions."""
