/** Collects a statement's bind parameters and hands out their placeholders. */
export function parameterList() {
  const values: unknown[] = [];
  const add = (value: unknown) => `$${values.push(value)}`;
  return {
    values,
    add,
    /** `($1, $2, …)` for one row. */
    row: (...row: unknown[]) => `(${row.map(add).join(", ")})`,
  };
}

export type ParameterList = ReturnType<typeof parameterList>;
