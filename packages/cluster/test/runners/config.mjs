// The sharding settings the tests and the benchmark share: the cluster's defaults are tuned for long-lived
// deployments (a dead runner is noticed within a minute); these notice one within a few seconds. The shard locks
// are refreshed every 5 s (a third of their 15 s expiry), and each refresh may take that long: a shorter interval is
// a shorter timeout, and a runner busy starting many processes then gives up all its shards (seen with 2 s). The
// expiry also bounds how long a dead runner stays listed when the runner that ran the health check was the one that
// died. With PostgreSQL the locks themselves are advisory locks, freed as soon as a dead runner's session ends.
export const shardingConfig = {
  shardsPerGroup: 30,
  runnerHealthCheckInterval: "1 second",
  refreshAssignmentsInterval: "250 millis",
  entityMessagePollInterval: "250 millis",
  shardLockExpiration: "15 seconds",
  entityTerminationTimeout: "10 seconds"
}
