// Placeholder: the Segment destination module lands here.
