/** Bad configuration: the message is one line that starts with the setting's flag or environment name. */
export class ConfigError extends Error {
  override name = "ConfigError";
}
