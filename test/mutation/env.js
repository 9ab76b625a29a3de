// Fewer property scenarios per mutant: a mutant the invariants catch is caught long before 300.
process.env.PROPERTY_RUNS = process.env.PROPERTY_RUNS ?? '300';
