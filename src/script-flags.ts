import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
/** What node:util's parseArgs gives for these options. */
type Flags<T extends Options> = ReturnType<typeof parseArgs<{ options: T; strict: true }>>['values'];

/**
 * The flags of `npm run sandbox` and `npm run bench`: `--help` prints `usage` and exits; an unknown
 * flag or a missing value prints what was wrong, then `usage`, and exits with 2 (no stack trace).
 */
export function scriptFlags<T extends Options>(
  name: string,
  usage: string,
  options: T,
  args = process.argv.slice(2),
): Flags<T> {
  try {
    const { values } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    });
    if ((values as { help?: boolean }).help) {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    return values;
  } catch (error) {
    // node:util's own words ("Unknown option '--rws'. …"), which name the flag.
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
    process.exit(2);
  }
}
