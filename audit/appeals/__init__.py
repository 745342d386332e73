"""Appeals: disputing one answer of a published visit, and the reviewer's decision."""
