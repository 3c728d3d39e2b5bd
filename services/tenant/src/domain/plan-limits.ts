import type { PlanName } from "./enums.js";

/** Caps of a tenant; 0 means no limit (as in the PlanLimits message). */
export interface Limits {
  workspaces: number;
  channels: number;
  assistants: number;
  monthlyAiMessages: number;
  members: number;
}

export const PLAN_DEFAULTS: Readonly<Record<PlanName, Readonly<Limits>>> = {
  FREE: { workspaces: 1, channels: 3, assistants: 1, monthlyAiMessages: 1_000, members: 3 },
  PRO: { workspaces: 10, channels: 25, assistants: 20, monthlyAiMessages: 50_000, members: 50 },
  // Contracted plans get their limits as an override; by default nothing is capped.
  ENTERPRISE: { workspaces: 0, channels: 0, assistants: 0, monthlyAiMessages: 0, members: 0 },
};

/** An override replaces the plan's defaults as a whole (it is one PlanLimits message). */
export function effectiveLimits(plan: PlanName, override: Limits | null | undefined): Limits {
  return override ?? { ...PLAN_DEFAULTS[plan] };
}

/** A limit that creating one more of something would break. */
export interface LimitProblem {
  /** What is limited: "workspaces", "channels", "members". */
  limit: keyof Limits;
  max: number;
  message: string;
}

/**
 * Why creating one more `resource` would break the limit, or undefined when it fits.
 * `existing` counts what the tenant already has; `counting` says what it counts when that needs saying.
 */
export function limitProblem(
  resource: "workspaces" | "channels" | "members",
  plan: PlanName,
  limits: Limits,
  existing: number,
  counting = "",
): LimitProblem | undefined {
  const max = limits[resource];
  if (max === 0 || existing < max) return undefined;
  return {
    limit: resource,
    max,
    message: `${resource} limit reached: the tenant's ${plan} plan allows ${max} ${resource}${counting} and it has ${existing}`,
  };
}
