"""Design-space exploration: spaces, search strategies, Pareto fronts, executors and the result store."""
