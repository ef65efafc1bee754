/**
 * Lakebench's filter grammar, shared by the run tracker's searches (runs, experiments, registered models,
 * model versions) and ready for the logs query language: a linear tokenizer with positions, a parser to a tree
 * with positions, per-entity field sets, and a LIKE matcher without backtracking. Pure code.
 */
export * from './ast';
export * from './fields';
export * from './like';
export * from './parse';
export * from './tokens';
