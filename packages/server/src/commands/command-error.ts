/** A failure the user caused or can fix (bad arguments, a missing thread): one line, exit status 2 for usage, 1 otherwise. */
export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** A usage error: exit status 2. */
export const usageError = (message: string) => new CommandError(message, 2);
