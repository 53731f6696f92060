// The sharding settings the tests and the benchmark share: the cluster's defaults are tuned for long-lived
// deployments (a dead runner is noticed within a minute); these notice one within about a second.
export const shardingConfig = {
  shardsPerGroup: 30,
  runnerHealthCheckInterval: "1 second",
  refreshAssignmentsInterval: "250 millis",
  entityMessagePollInterval: "250 millis",
  shardLockRefreshInterval: "2 seconds",
  shardLockExpiration: "10 seconds",
  entityTerminationTimeout: "10 seconds"
}
