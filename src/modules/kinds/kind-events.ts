import type { Executor } from '../../platform/db/database.ts';
import type { EventPublisher } from '../../platform/events/event-bus.ts';

/** Published when the operator enables or disables a definition; every process's cache listens for it. */
export const DEFINITION_CHANGED_EVENT = 'agent-definition-changed';

/**
 * Definitions belong to no organization: their events are published under this id, which is no
 * organization's, so that no client stream receives them; processes watch every event.
 */
const OPERATOR_EVENTS = '00000000-0000-0000-0000-000000000000';

/** Inside `tx`: delivered if and only if the change commits. */
export const publishDefinitionChanged = (
  events: Pick<EventPublisher, 'publish'>,
  tx: Executor,
  definition: { slug: string; isEnabled: boolean },
) =>
  events.publish(
    {
      type: DEFINITION_CHANGED_EVENT,
      organization_id: OPERATOR_EVENTS,
      data: { slug: definition.slug, is_enabled: definition.isEnabled },
    },
    { tx },
  );
