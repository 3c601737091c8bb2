/** A failure the CLI reports as one line on stderr: exit 2 for a usage mistake, 1 for anything else. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message)
  }
}

export const usageError = (message: string) => new CliError(message, 2)
