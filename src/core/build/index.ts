/** The builder's API (table + template -> request file), shared by `batchwise build` and the extension's "New Batch from Data". */
export { readRows, dataFormatOf } from './readRows';
export { DataFileError, DATA_FORMATS, type DataFormat, type RowItem, type ReadRowsOptions } from './rows';
export { SUPPORTED_ENCODINGS, TextEncodingError } from './textDecode';
export { loadTemplateFile, resolveTemplate, TemplateError, TemplateFileSchema, type TemplateFile, type RequestTemplate } from './template';
export { compileTemplate, renderRequest, type CompiledTemplate, type RenderResult } from './render';
export { buildFile, previewRequests, defaultBuildOutPath, NothingToBuild, BuildSummarySchema, MAX_SKIPPED_LISTED, type BuildSummary, type BuildOptions, type PreviewItem } from './buildFile';
export { sidecarPathFor, SourceRowLineSchema, type SourceRowLine } from './sidecar';
