"""What a checkpoint does: scan a code (ours, a trusted region's, a paper one), look a person up
by document, and log both."""
