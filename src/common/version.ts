// Version strings reported by /version, GET_VERSION, MasterInfo.version and `agora version`.
// MasterInfo.version is what Mesos frameworks compare against; we report the Mesos release
// whose v1 API we implement, and our own version separately.

export const AGORA_VERSION = '0.1.0';
/** The upstream Mesos release whose v1 HTTP APIs Agora speaks. */
export const MESOS_API_VERSION = '1.11.0';
