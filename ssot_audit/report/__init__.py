"""What a run found, per catalogue entry: the data behind the HTML, closeout.md and results.json."""
