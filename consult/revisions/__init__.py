"""Revisions of the plan: versions of sections and strategies, word diffs, revised documents."""
