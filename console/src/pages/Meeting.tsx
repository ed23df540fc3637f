// The meeting itself, through the Amazon Chime SDK component library: video tiles, the
// roster, mute, camera, leave (and end, for the doctor); a waiting screen until admitted.
import { useEffect, useState } from 'react';
import {
  AudioInputControl, ControlBar, ControlBarButton, LocalVideo, MeetingStatus, Roster, RosterAttendee, RosterGroup,
  DeviceLabels, RosterHeader, VideoInputControl, VideoTileGrid, useLocalVideo, useMeetingManager, useMeetingStatus, useRosterState,
} from 'amazon-chime-sdk-component-library-react';
import { MeetingSessionConfiguration } from 'amazon-chime-sdk-js';

export interface JoinInfo {
  meeting: Record<string, unknown>;
  attendee: Record<string, unknown>;
}

/** Joins the Chime meeting the API handed out; `admitted` false shows the waiting screen.
 *  `nameOf` names a roster entry from its ExternalUserId (the API's user or guest id). */
export function MeetingView({ join, admitted, onLeave, onEnd, nameOf }: {
  join: JoinInfo; admitted: boolean; onLeave: () => void; onEnd?: () => void; nameOf: (externalUserId: string) => string;
}) {
  const manager = useMeetingManager();
  const status = useMeetingStatus();
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        manager.getAttendee = async (_attendeeId, externalUserId) => ({ name: nameOf(externalUserId ?? '') });
        const configuration = new MeetingSessionConfiguration(
          { Meeting: join.meeting }, { Attendee: join.attendee });
        await manager.join(configuration, { deviceLabels: DeviceLabels.AudioAndVideo });
        if (!cancelled) await manager.start();
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e.message : 'The meeting could not be joined.');
      }
    })();
    return () => {
      cancelled = true;
      void manager.leave();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [manager, join]);

  if (error) return <p className="error" role="alert">The meeting could not be joined: {error}</p>;
  return (
    <section className="meeting" aria-label="Meeting">
      {!admitted && (
        <div className="waiting" role="status">
          <h3>Waiting for the doctor to let you in</h3>
          <p>Please stay on this page. Your camera and microphone are off until you are admitted.</p>
        </div>
      )}
      {status === MeetingStatus.Succeeded ? <InMeeting admitted={admitted} onLeave={onLeave} onEnd={onEnd} />
        : <p role="status">Connecting to the meeting…</p>}
    </section>
  );
}

function InMeeting({ admitted, onLeave, onEnd }: { admitted: boolean; onLeave: () => void; onEnd?: () => void }) {
  const manager = useMeetingManager();
  const { isVideoEnabled, toggleVideo } = useLocalVideo();
  const { roster } = useRosterState();
  useEffect(() => {
    if (admitted && !isVideoEnabled) void toggleVideo();
    // Only when admission changes: the user may switch the camera off afterwards.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [admitted]);
  const leave = async () => {
    await manager.leave();
    onLeave();
  };
  return (
    <div className="meeting-body">
      <div className="tiles" data-testid="video-tiles">
        <VideoTileGrid noRemoteVideoView={<p className="placeholder">Nobody else's video yet.</p>} />
        {admitted && <div className="self-view"><LocalVideo nameplate="You" /></div>}
      </div>
      <Roster className="roster">
        <RosterHeader title="In the meeting" badge={Object.keys(roster).length} />
        <RosterGroup>
          {Object.values(roster).map((a) => (
            <RosterAttendee key={a.chimeAttendeeId} attendeeId={a.chimeAttendeeId} />
          ))}
        </RosterGroup>
      </Roster>
      <ControlBar layout="bottom" showLabels className="controls">
        {admitted && <AudioInputControl muteLabel="Mute" unmuteLabel="Unmute" />}
        {admitted && <VideoInputControl label="Camera" />}
        <ControlBarButton icon={<span aria-hidden>⏏</span>} label="Leave" onClick={() => void leave()} />
        {onEnd && <ControlBarButton icon={<span aria-hidden>■</span>} label="End for everyone" onClick={onEnd} />}
      </ControlBar>
    </div>
  );
}
