/**
 * A fictional leaked document written for Undertow's demo and tests: an internal memo about a
 * port sale. Any resemblance to real organisations is accidental.
 */
export const LEAKED_MEMO_TITLE = 'Harwick Port Authority: confidential briefing on the Meridian sale';

export const LEAKED_MEMO = `CONFIDENTIAL — NOT FOR CIRCULATION OUTSIDE THE STEERING GROUP

Harwick Port Authority, strategy directorate. Briefing note prepared for the steering group ahead of the fourth round of talks with Meridian Logistics Holdings on the proposed sale of the eastern container terminal.

The steering group agreed in March that the authority would not disclose the valuation model to the harbour council before the heads of terms are signed. The finance team has been instructed to present the council with the lower of the two scenarios, which assumes flat container volumes until 2031 and no recovery in transshipment traffic from the northern routes.

Meridian has asked for an exclusivity period of eighteen months and a guarantee that the authority will not tender the western berths to any competing operator during that time. Our legal advisers consider the exclusivity clause enforceable but warn that the berth guarantee may breach the concession rules if it becomes public before the consultation closes.

On staffing, Meridian intends to transfer the terminal workforce to a new operating company with reduced pension contributions. The union has not been told. The communications plan recommends that the announcement be made on a Friday afternoon during the summer recess, when press coverage is expected to be at its lowest.

The dredging programme for the outer channel will be paid for from the authority's reserves rather than by the buyer. This is a departure from the terms offered to the previous bidder and will reduce the net proceeds of the sale by roughly forty million. The board has been advised to describe the dredging as routine maintenance in the annual report.

Environmental monitoring data from the estuary sensors showed sediment contamination above the permitted threshold on three occasions last winter. The survey contractor has been asked to repeat the sampling after the sale completes, so that the results fall outside the disclosure period set in the heads of terms.

The minister's office has been kept informed through the special adviser and has indicated informally that it will not call the sale in for review, provided that the headline price stays above the figure quoted in the spending statement. No written record of this assurance exists.

Next steps: the finance team will circulate the revised term sheet by the end of the month; the communications team will prepare a holding statement in case details reach the local press; members of the steering group are reminded that this note must not be forwarded or printed.`;

/** Passages as a reader would quote them: one paragraph each, after the header lines. */
export function memoParagraphs(): string[] {
  return LEAKED_MEMO.split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p.split(/\s+/).length > 30);
}
