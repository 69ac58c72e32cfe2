/**
 * Pub/Sub topic names, declared once: the publishers here and in the client,
 * the deploy declaration (functions/deploy.ts) and infra/ all read them.
 */
export const TOPICS = {
  /** Job submissions (the job message). */
  jobs: "kinetic-jobs",
  /** Job lifecycle events: published when a job reaches a terminal state. */
  jobEvents: "kinetic-job-events",
  /** Tuning studies: study.create and study.drive messages for the tuneStudy function. */
  tuning: "kinetic-tuning",
  /** Image builds to run: build.run messages for the buildImage function. */
  builds: "kinetic-builds",
  /**
   * Cloud Build status notifications for the cloudBuilds function. Cloud Build publishes to the project-wide
   * `cloud-builds` topic unless a build names its own (`options.pubsubTopic`); Kinetic's builds name this one,
   * so each cluster hears only its own builds and no two stacks compete to own `cloud-builds`.
   */
  cloudBuilds: "kinetic-cloud-builds",
} as const;
export type TopicKey = keyof typeof TOPICS;

/** Where a subscription of `topic` sends messages it gave up on (its DLQ has a subscription, so none is lost). */
export const deadLetterTopicName = (topic: string): string => `${topic}-dlq`;
