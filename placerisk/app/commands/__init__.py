"""One module per ``placerisk`` command, each with ``run(args) -> exit status``; none imports another."""
