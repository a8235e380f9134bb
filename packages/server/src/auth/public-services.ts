/** Whether `service` (a full name) is served without credentials under `publicServices` (full names or package prefixes). */
export const isPublicService = (service: string, publicServices: readonly string[]): boolean =>
  publicServices.some((entry) => service === entry || service.startsWith(`${entry}.`));
