/**
 * The message of the ConfigError that `parse` throws, for the config tests (matched by name: a
 * test loads the server's sources, not the built package this module would import). Fails when it throws
 * nothing, throws something else, or the message does not start with the setting's name and a
 * colon or spans more than one line (the CLI prints it as one line on stderr).
 */
export function configRejection(setting: string, parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    if (!(error instanceof Error) || error.name !== "ConfigError") throw error;
    if (!error.message.startsWith(`${setting}: `) || error.message.includes("\n")) {
      throw new Error(`a ConfigError should be one line starting "${setting}: ", got: ${error.message}`);
    }
    return error.message;
  }
  throw new Error("expected a ConfigError: nothing was thrown");
}
