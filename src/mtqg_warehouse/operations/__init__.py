"""What an operator needs beside the pipeline: its status at a glance, progress of long work."""
