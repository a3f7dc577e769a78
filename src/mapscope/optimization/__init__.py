"""What explore and the mapper optimise: objectives, constraints and Pareto fronts."""
