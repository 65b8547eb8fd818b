/** A table's header row: one column header per name, in order; a `false` entry is a column this view leaves out. */
export function ColumnHeads({ columns }: { columns: (string | false)[] }) {
  return (
    <thead>
      <tr>
        {columns
          .filter((column) => column !== false)
          .map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
      </tr>
    </thead>
  );
}
